#include "answer_item.h"

#include <stdio.h>

void answer_item_add(char *line, size_t cap, size_t *len, const char *key, const char *fmt, va_list ap)
{
	int n;

	if (*len + 64 >= cap)
		return;
	n = snprintf(line + *len, cap - *len, ANSWER_ITEM_SEP "%s=", key);
	*len += (size_t)n;
	n = vsnprintf(line + *len, cap - *len, fmt, ap);
	if (n > 0)
		*len = *len + (size_t)n < cap ? *len + (size_t)n : cap - 1;
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}
