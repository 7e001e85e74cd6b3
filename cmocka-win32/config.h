/*
 * What cmocka's CMake build would write into config.h (config.h.cmake) for
 * mingw-w64, written by hand: the Win32 unit tests build cmocka from
 * Debian's source package (ninja/win32_tests.ninja), and CMake is not one
 * of mapconf's dependencies. Of the names config.h.cmake lists, cmocka.c
 * reads these (cmocka_private.h reads the HAVE_*SNPRINTF* ones for MSVC
 * only); what mingw-w64 lacks is left undefined, on purpose.
 */
#ifndef MAPCONF_CMOCKA_WIN32_CONFIG_H
#define MAPCONF_CMOCKA_WIN32_CONFIG_H

/* headers and types mingw-w64 has */
#define HAVE_MALLOC_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_SIGNAL_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRUCT_TIMESPEC 1

/* __thread: GCC's emulated TLS, from the static libgcc the tests link */
#define HAVE_GCC_THREAD_LOCAL_STORAGE 1

/*
 * Not defined: HAVE_SIGLONGJMP (Windows has setjmp/longjmp only; cmocka then
 * uses them), HAVE_STRSIGNAL (read on POSIX only), and HAVE_CLOCK_REALTIME:
 * mingw-w64's clock_gettime lives in winpthreads, whose DLL would have to
 * travel beside every test; without it cmocka reports each test's time as 0,
 * which nothing reads.
 */

#endif
