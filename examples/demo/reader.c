/* Demo plugin: print each file named on the command line, or why it can't. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	int failures = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		if (!f) {
			printf("[plugin] %s: %s\n", argv[i], strerror(errno));
			failures++;
			continue;
		}
		char line[256];
		while (fgets(line, sizeof(line), f))
			printf("[plugin] %s: %s", argv[i], line);
		fclose(f);
	}
	return failures ? 1 : 0;
}
