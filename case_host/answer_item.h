/*
 * An answer line of a case host, built item by item: each item is
 * US key=value, and no item may end the line (a newline or a carriage
 * return in a value becomes a space). The Linux case host (case_host.c)
 * and the Windows one (win32/answers.c) build their `ended` lines with it.
 */
#ifndef MAPCONF_ANSWER_ITEM_H
#define MAPCONF_ANSWER_ITEM_H

#include <stdarg.h>
#include <stddef.h>

#define ANSWER_ITEM_SEP "\x1f"

/*
 * Append US key=<fmt, ap> to line (of cap bytes, *len used). A line within
 * 64 bytes of its end takes nothing more: it already says enough.
 */
void answer_item_add(char *line, size_t cap, size_t *len, const char *key, const char *fmt, va_list ap);

#endif
