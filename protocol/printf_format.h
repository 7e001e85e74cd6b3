/*
 * MC_PRINTF(fmt, first): the format attribute of a printf-like function,
 * for the printf the program is linked with. On Linux that is printf's
 * own; with mingw-w64 the programs use its C99 stdio
 * (__USE_MINGW_ANSI_STDIO), whose formats are GNU's (%zu, %llu), while
 * the compiler's "printf" there means Microsoft's, which refuses %zu.
 */
#ifndef MAPCONF_PRINTF_FORMAT_H
#define MAPCONF_PRINTF_FORMAT_H

#include <stdio.h>   /* defines __MINGW_PRINTF_FORMAT under mingw-w64 */

#ifdef __MINGW_PRINTF_FORMAT
#define MC_PRINTF(fmt, first) __attribute__((format(__MINGW_PRINTF_FORMAT, fmt, first)))
#else
#define MC_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#endif

#endif
