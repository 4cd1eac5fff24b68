/*
 * hash.c: SipHash-2-4 (Aumasson and Bernstein, 2012), written from the
 * paper's description, and the two uses sidelog makes of it.
 *
 * A record id (SPEC "The record") is a function of the pod (id_seed),
 * the input, the file's identity (inode and fingerprint) and the line's
 * offset: the same line gets the same id after any restart, two pods
 * never share one.  The per-file part is hashed once into a key pair, so
 * each line costs two SipHash rounds over its 8-byte offset.
 */
#include <string.h>

#include "hash.h"

const struct hash_key hash_fp_key = {
	0x736964656c6f6766ULL, 0x696e6765727072ULL	/* "sidelogf", "ingerpr" */
};

static const struct hash_key id_key_a = {
	0x736964656c6f6769ULL, 0x642d6b65792d61ULL
};
static const struct hash_key id_key_b = {
	0x736964656c6f6769ULL, 0x642d6b65792d62ULL
};

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
load_le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

uint64_t
hash_bytes(const struct hash_key *k, const void *data, size_t len)
{
	const unsigned char	*p = data, *end = p + (len & ~(size_t)7);
	uint64_t		 v0 = 0x736f6d6570736575ULL ^ k->k0;
	uint64_t		 v1 = 0x646f72616e646f6dULL ^ k->k1;
	uint64_t		 v2 = 0x6c7967656e657261ULL ^ k->k0;
	uint64_t		 v3 = 0x7465646279746573ULL ^ k->k1;
	uint64_t		 m, b = (uint64_t)len << 56;
	size_t			 i;

	for (; p != end; p += 8) {
		m = load_le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Each part is hashed on its own, so "ab"+"c" and "a"+"bc" differ. */
void
hash_id_key(struct hash_key out[2], const char *seed, const char *input,
    uint64_t inode, uint64_t fp_hash)
{
	const struct hash_key	*keys[2] = { &id_key_a, &id_key_b };
	uint64_t		 parts[4];
	int			 i;

	for (i = 0; i < 2; i++) {
		parts[0] = hash_bytes(keys[i], seed, strlen(seed));
		parts[1] = hash_bytes(keys[i], input, strlen(input));
		parts[2] = inode;
		parts[3] = fp_hash;
		out[i].k0 = hash_bytes(keys[i], parts, sizeof(parts));
		out[i].k1 = hash_bytes(keys[1 - i], parts, sizeof(parts));
	}
}

void
hash_id(const struct hash_key key[2], uint64_t offset,
    char out[HASH_ID_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 le[8];
	uint64_t		 h;
	int			 i, j;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(offset >> (8 * i));
	for (i = 0; i < 2; i++) {
		h = hash_bytes(&key[i], le, sizeof(le));
		for (j = 0; j < 16; j++)
			out[i * 16 + j] = hex[(h >> (60 - 4 * j)) & 0xf];
	}
	out[HASH_ID_LEN] = '\0';
}
