/*
 * The line channel to the controller: standard input and output, through
 * stdio. A child made by "fork" moves its socket onto both descriptors, so
 * it talks on the same streams.
 */
#include "agent.h"

#include <stdio.h>
#include <string.h>

long channel_read_line(char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, stdin))
		return 0;
	/* no newline: the line is longer than buf (or input ended inside it), never to be served */
	if (!strchr(buf, '\n'))
		return -1;
	return (long)strlen(buf);
}

void channel_write(const char *text, size_t len)
{
	fwrite(text, 1, len, stdout);
	fflush(stdout);
}
