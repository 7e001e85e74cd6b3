/*
 * The line protocol between the controller and its agents.
 *
 * One request per line, one answer per line, both "word key=value ...".
 * Values never contain spaces: byte strings travel as hex, so a line can
 * always be split on blanks. Shared by the controller and every agent, so
 * it depends on nothing but the C library.
 */
#ifndef MAPCONF_PROTOCOL_H
#define MAPCONF_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* The FNV-1a offset basis: the seed of every checksum. */
#define MC_FNV_OFFSET 0xcbf29ce484222325ULL

/* Longest line either side may send, newline included. */
#define MC_LINE_MAX 65536
/* Most fields one line may carry. */
#define MC_FIELDS_MAX 16
/* Longest byte string a read or write may carry (hex doubles it). */
#define MC_DATA_MAX 16384

struct mc_field {
	const char *key;
	const char *value;
};

/* A parsed line; points into the buffer it was parsed from. */
struct mc_line {
	const char *word;
	struct mc_field fields[MC_FIELDS_MAX];
	int nfields;
};

/*
 * Split buf (modified in place) into a word and key=value fields.
 * Returns 0, or -1 with *why set when the line is malformed.
 */
int mc_line_parse(char *buf, struct mc_line *line, const char **why);

/* The value of key, or NULL when the line has no such field. */
const char *mc_line_get(const struct mc_line *line, const char *key);

/*
 * Whether line matches pattern: its word ("ok", "err"), then key=value
 * fields it must carry, a value being alternatives joined by '|' (numbers
 * compare as numbers); a leading '!' turns the answer around. The way a
 * check states what it requires of an answer.
 */
bool mc_line_matches(const struct mc_line *line, const char *pattern);

/*
 * a op b, op one of == != < <= > >= and "multiple-of": the other way a
 * check states what it requires. *known is false for any other op.
 */
bool mc_compare(uint64_t a, const char *op, uint64_t b, bool *known);

/* Numeric field accessors: 0 on success, -1 if absent or malformed. */
int mc_line_get_u64(const struct mc_line *line, const char *key, uint64_t *out);
int mc_line_get_addr(const struct mc_line *line, const char *key, uintptr_t *out);

/* Parse a whole decimal or 0x-prefixed number; -1 if text is not one. */
int mc_parse_u64(const char *text, uint64_t *out);

/* Hex encoding of byte strings. */
void mc_hex_encode(const void *data, size_t len, char *out);
/* Decodes into out (at most cap bytes); returns the length or -1. */
long mc_hex_decode(const char *hex, void *out, size_t cap);

/* 64-bit FNV-1a, byte by byte (names, SysV keys). */
uint64_t mc_fnv1a(const void *data, size_t len, uint64_t seed);

/*
 * The checksum of a range that both sides agree on (the checksum verb):
 * FNV-1a's step over 64-bit little-endian words, each step a bijection of
 * the state so that one changed word always changes the sum, then the tail
 * bytes. Eight times fewer steps than byte-wise FNV-1a, the same value on
 * every byte order.
 */
uint64_t mc_range_sum(const void *data, size_t len);

/*
 * The SysV key of an object name: a SysV segment has a number, not a name,
 * so the controller and every agent derive the same key from the name.
 */
static inline int mc_sysv_key(const char *name)
{
	uint64_t h = MC_FNV_OFFSET;

	for (const char *p = name; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	return (int)((h & 0x00ffffffu) | 0x4d000000u);   /* 'M' in the top byte */
}

/* The byte a fill with this seed writes at offset i (cheap, not constant);
 * each step of i adds MC_FILL_STEP to the 64 bits whose top byte it is. */
#define MC_FILL_STEP 0x2545f4914f6cdd1dULL
static inline unsigned char mc_fill_byte(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * MC_FILL_STEP;
	return (unsigned char)(x >> 56);
}

#endif
