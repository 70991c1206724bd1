/* Runs one sandboxed program for a test, as the uid it was started with
 * (65534): see helpers2.c, "runs from uid 65534". */
#include "helpers2.h"

int main(int argc, char **argv)
{
	return xrun_helper_main(argc, argv);
}
