#include "protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *next_token(char **cursor)
{
	char *p = *cursor;

	while (*p && is_blank(*p))
		p++;
	if (!*p)
		return NULL;
	char *start = p;
	while (*p && !is_blank(*p))
		p++;
	if (*p)
		*p++ = '\0';
	*cursor = p;
	return start;
}

int mc_line_parse(char *buf, struct mc_line *line, const char **why)
{
	char *cursor = buf;
	char *token;

	memset(line, 0, sizeof(*line));
	line->word = next_token(&cursor);
	if (!line->word) {
		*why = "empty line";
		return -1;
	}
	if (strchr(line->word, '=')) {
		*why = "line starts with a field instead of a word";
		return -1;
	}
	while ((token = next_token(&cursor))) {
		char *eq = strchr(token, '=');

		if (!eq || eq == token) {
			*why = "field is not key=value";
			return -1;
		}
		if (line->nfields == MC_FIELDS_MAX) {
			*why = "too many fields";
			return -1;
		}
		*eq = '\0';
		line->fields[line->nfields].key = token;
		line->fields[line->nfields].value = eq + 1;
		line->nfields++;
	}
	return 0;
}

const char *mc_line_get(const struct mc_line *line, const char *key)
{
	for (int i = 0; i < line->nfields; i++)
		if (strcmp(line->fields[i].key, key) == 0)
			return line->fields[i].value;
	return NULL;
}

int mc_parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (!text || !*text || *text == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int mc_line_get_u64(const struct mc_line *line, const char *key, uint64_t *out)
{
	return mc_parse_u64(mc_line_get(line, key), out);
}

int mc_line_get_addr(const struct mc_line *line, const char *key, uintptr_t *out)
{
	uint64_t v;

	if (mc_line_get_u64(line, key, &v) || v != (uintptr_t)v)
		return -1;
	*out = (uintptr_t)v;
	return 0;
}

void mc_hex_encode(const void *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long mc_hex_decode(const char *hex, void *out, size_t cap)
{
	size_t n = strlen(hex);
	unsigned char *p = out;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

uint64_t mc_fnv1a(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t mc_range_sum(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = MC_FNV_OFFSET;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 32;
	}
	return mc_fnv1a(p + i, len - i, h);
}

/* value equals one of the '|'-joined alternatives of len bytes at alts; numbers compare as numbers */
static bool one_of(const char *value, const char *alts, size_t len)
{
	uint64_t want, got;
	bool numeric = mc_parse_u64(value, &got) == 0;

	while (len > 0) {
		size_t n = strcspn(alts, "|");
		char number[32];

		if (n > len)
			n = len;
		if (strlen(value) == n && strncmp(value, alts, n) == 0)
			return true;
		if (numeric && n < sizeof(number)) {
			memcpy(number, alts, n);
			number[n] = '\0';
			if (mc_parse_u64(number, &want) == 0 && want == got)
				return true;
		}
		alts += n;
		len -= n;
		if (len > 0) {
			alts++;
			len--;
		}
	}
	return false;
}

bool mc_line_matches(const struct mc_line *line, const char *pattern)
{
	bool negated = pattern[0] == '!';
	const char *p = pattern + negated;
	size_t n = strcspn(p, " ");
	bool holds = strlen(line->word) == n && strncmp(line->word, p, n) == 0;

	for (p += n; holds && *p;) {
		p += strspn(p, " ");
		size_t klen = strcspn(p, "="), flen = strcspn(p, " ");
		char key[64];
		const char *value;

		if (klen >= flen || klen >= sizeof(key))
			return false;   /* a malformed pattern matches nothing */
		memcpy(key, p, klen);
		key[klen] = '\0';
		value = mc_line_get(line, key);
		holds = value && one_of(value, p + klen + 1, flen - klen - 1);
		p += flen;
	}
	return holds != negated;
}

bool mc_compare(uint64_t a, const char *op, uint64_t b, bool *known)
{
	*known = true;
	if (strcmp(op, "==") == 0)
		return a == b;
	if (strcmp(op, "!=") == 0)
		return a != b;
	if (strcmp(op, "<") == 0)
		return a < b;
	if (strcmp(op, "<=") == 0)
		return a <= b;
	if (strcmp(op, ">") == 0)
		return a > b;
	if (strcmp(op, ">=") == 0)
		return a >= b;
	if (strcmp(op, "multiple-of") == 0)
		return b != 0 && a % b == 0;
	*known = false;
	return false;
}
