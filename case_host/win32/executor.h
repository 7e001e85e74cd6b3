/*
 * mapconf-run.exe: the case host's bundle role on Windows (what
 * case_host/case_host.c is as mapconf-run on Linux). Run from a bundle's
 * directory with no arguments, it takes its requests from the file jobs and
 * writes its answers, each case's files after its `ended` line, to
 * records/answers, and the machine's facts to records/machine, in the byte
 * formats case_host.c defines (its head comment).
 *
 * The parts, one file each: requests.c (a request line's fields, hex values,
 * paths), command_line.c (an argv as the one string CreateProcess takes),
 * answers.c (the answer being built, and the files sent after it),
 * case_process.c (a case in a job object of its own, waited for with a bound,
 * and whatever of it is left ended), scratch_files.c (the run's files a case
 * left in the scratch directory), machine_facts.c (records/machine, the
 * ready line's facts, the scratch filesystem), executor.c (the requests, one
 * after another) and main.c (the program).
 */
#ifndef MAPCONF_EXECUTOR_H
#define MAPCONF_EXECUTOR_H

#include <stddef.h>
#include <stdio.h>
#include <windows.h>

#define EXECUTOR_LINE_MAX 65536
#define EXECUTOR_ARGS_MAX 64
#define EXECUTOR_SEP "\x1f"
#define EXECUTOR_FILE_SEP "\x1e"
/* the runner keeps less of any file; a longer one is cut here (case_host.c's FILE_SENT_MAX) */
#define EXECUTOR_FILE_SENT_MAX (4 << 20)

/* --- requests.c ---------------------------------------------------------- */

/* Split line in place at each US; empty fields are dropped, as strtok does in
 * case_host.c. At most max - 1 fields; fields[n] is NULL. Returns n. */
int request_split(char *line, char **fields, int max);

/* Decode hex (two digits a byte, lower or upper case) into out (size bytes, NUL
 * added); 0, or -1 if it is not hex of an even length or does not fit. */
int hex_decode(const char *hex, char *out, size_t size);

/* A request's path as Windows names it: each '/' made '\'. */
void path_to_windows(char *path);

/* Make the directories above path (mkdir -p of its parent); path uses '\'. */
void make_parents(const char *path);

/* --- command_line.c ------------------------------------------------------ */

/* argv (NULL-terminated) as one command line that CommandLineToArgvW and the
 * C runtime split back into the same argv; 0, or -1 if it does not fit size. */
int command_line(char *const *argv, char *out, size_t size);

/* --- answers.c ----------------------------------------------------------- */

/* Where the answers go: records/answers, opened in binary (LF line ends). */
void answers_open(FILE *stream);

/* Start the answer to a case, env or make request: "ended". */
void answer_begin(void);

/* Add US key=value to the answer (a newline in it becomes a space). */
void answer_add(const char *key, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));

/* Write the answer built so far, as one line. */
void answer_send(void);

/* Write one line as it is (ready, ok). */
void answer_line(const char *fmt, ...) __attribute__((format(gnu_printf, 1, 2)));

/* After a case's answer: each of its files (RS between them), as `file US <length>` and its bytes. */
void answer_send_files(const char *files);

/* --- case_process.c ------------------------------------------------------ */

/* Empty each file of the list (RS between them), making its directories; 0,
 * or -1 with the error added to the answer. */
int empty_files(const char *files);

/* Run argv (argv[0] a path to an .exe) with its output to output and stdin
 * from NUL, in a job object of its own, waiting at most timeout_ms; adds
 * exit=N or timeout=N, ms=M and removed=process ... for each process of its
 * job still there after it, or error=... . Gives the case's process id
 * (0 if it did not start) in *pid. */
void run_case_process(char **argv, const char *output, long timeout_ms, DWORD *pid);

/* --- scratch_files.c ----------------------------------------------------- */

/* Delete each file of dir whose name starts with prefix, naming it as
 * removed=file <name> (or remains=file <name> (...) if it stays). */
void remove_scratch_files(const char *dir, const char *prefix);

/* --- machine_facts.c ----------------------------------------------------- */

/* Append the machine's facts to path (KEY=value lines), with when=<epoch s>. */
void write_machine(const char *path, const char *when);

/* 1 if this process's token is elevated, else 0. */
int token_elevated(void);

/* The filesystem of dir, lower-cased (GetVolumeInformation's name), or "unknown". */
const char *filesystem_of(const char *dir, char *name, size_t size);

/* --- executor.c ---------------------------------------------------------- */

/* Answer every request of jobs (one a line) to the answers stream. */
void serve_requests(FILE *jobs);

#endif
