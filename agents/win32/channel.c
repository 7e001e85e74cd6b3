/*
 * The line channel to the controller. An agent the controller started talks
 * over its standard handles (pipes from the Linux controller); a child made
 * by "spawn" talks over a TCP connection to the controller's loopback port,
 * because Win32 has no fork and Wine's Winsock has no AF_UNIX.
 *
 * Raw ReadFile/WriteFile and recv/send, not stdio: no text-mode CRLF can
 * creep into an answer, and every answer leaves at once.
 */
#include <winsock2.h>
#include <ws2tcpip.h>

#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HANDLE in = INVALID_HANDLE_VALUE, out = INVALID_HANDLE_VALUE;
static SOCKET sock = INVALID_SOCKET;

static char pending[MC_LINE_MAX];
static size_t have;

int channel_use_std_handles(void)
{
	in = GetStdHandle(STD_INPUT_HANDLE);
	out = GetStdHandle(STD_OUTPUT_HANDLE);
	return in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE ? -1 : 0;
}

/* host_port is "127.0.0.1:PORT" */
int channel_connect(const char *host_port)
{
	char host[64];
	const char *colon = strrchr(host_port, ':');
	struct sockaddr_in addr;
	WSADATA wsa;

	if (!colon || (size_t)(colon - host_port) >= sizeof(host) || WSAStartup(MAKEWORD(2, 2), &wsa))
		return -1;
	memcpy(host, host_port, (size_t)(colon - host_port));
	host[colon - host_port] = '\0';
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		return -1;
	sock = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (sock == INVALID_SOCKET)
		return -1;
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr))) {
		closesocket(sock);
		sock = INVALID_SOCKET;
		return -1;
	}
	return 0;
}

/* More bytes from the controller: the count, or 0 at end of input. */
static long receive(char *buf, size_t cap)
{
	DWORD got = 0;

	if (sock != INVALID_SOCKET) {
		int n = recv(sock, buf, (int)cap, 0);

		return n > 0 ? n : 0;
	}
	/* a broken pipe (the controller is gone) is the end of input too */
	return ReadFile(in, buf, (DWORD)cap, &got, NULL) ? (long)got : 0;
}

long channel_read_line(char *buf, size_t cap)
{
	for (;;) {
		char *nl = memchr(pending, '\n', have);

		if (nl) {
			size_t len = (size_t)(nl - pending) + 1;

			if (len >= cap)
				return -1;
			memcpy(buf, pending, len);
			buf[len] = '\0';
			memmove(pending, pending + len, have - len);
			have -= len;
			return (long)len;
		}
		if (have == sizeof(pending))
			return -1;
		long n = receive(pending + have, sizeof(pending) - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
	}
}

void channel_write(const char *text, size_t len)
{
	while (len > 0) {
		DWORD put = 0;

		if (sock != INVALID_SOCKET) {
			int n = send(sock, text, (int)len, 0);

			if (n <= 0)
				ExitProcess(124);   /* the controller is gone: nobody to answer */
			put = (DWORD)n;
		} else if (!WriteFile(out, text, (DWORD)len, &put, NULL) || put == 0) {
			ExitProcess(124);
		}
		text += put;
		len -= put;
	}
}
