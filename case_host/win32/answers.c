/*
 * What the executor answers, in case_host.c's byte format: one line each
 * (LF only: the stream is binary, so Windows' C runtime adds no CR), an
 * `ended` line built item by item, and after a case's answer its files,
 * each as `file US <length>` and exactly that many bytes.
 */
#include "executor.h"
#include "answer_item.h"

#include <stdarg.h>
#include <string.h>

static FILE *answers;
static char answer[EXECUTOR_LINE_MAX];
static size_t answer_len;

void answers_open(FILE *stream)
{
	answers = stream;
}

void answer_begin(void)
{
	answer_len = (size_t)snprintf(answer, sizeof(answer), "ended");
}

void answer_add(const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	answer_item_add(answer, sizeof(answer), &answer_len, key, fmt, ap);
	va_end(ap);
}

void answer_send(void)
{
	fprintf(answers, "%s\n", answer);
	fflush(answers);
	answer_begin();
}

void answer_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(answers, fmt, ap);
	va_end(ap);
	fputc('\n', answers);
	fflush(answers);
}

void answer_send_files(const char *files)
{
	static char data[EXECUTOR_FILE_SENT_MAX];
	char list[EXECUTOR_LINE_MAX];

	snprintf(list, sizeof(list), "%s", files);
	for (char *f = strtok(list, EXECUTOR_FILE_SEP); f; f = strtok(NULL, EXECUTOR_FILE_SEP)) {
		/* shared for writing and deleting: a process the cleanup could not end may hold it */
		HANDLE file = CreateFileA(f, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
					  NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
		size_t got = 0;

		while (file != INVALID_HANDLE_VALUE && got < sizeof(data)) {
			DWORD n = 0;

			if (!ReadFile(file, data + got, (DWORD)(sizeof(data) - got), &n, NULL) || n == 0)
				break;
			got += n;
		}
		if (file != INVALID_HANDLE_VALUE)
			CloseHandle(file);
		fprintf(answers, "file" EXECUTOR_SEP "%zu\n", got);
		fwrite(data, 1, got, answers);
	}
	fflush(answers);
}
