/* Linked with one layer whole and only the layers below it (meson.build):
 * if the layer calls up into a higher one, this does not link. */
int main(void)
{
	return 0;
}
