/*
 * hash.h: SipHash-2-4, for file fingerprints and record ids.
 *
 * Fingerprints and ids must be the same across restarts and machines,
 * so the keys are fixed constants, not random: the hash is a well-mixed
 * 64-bit function here, not a defence against chosen inputs.  An id is
 * 128 bits: two SipHash runs with different keys.
 */
#ifndef SIDELOG_HASH_H
#define SIDELOG_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_ID_LEN	32	/* hex digits of an id, without the NUL */

struct hash_key {
	uint64_t	 k0, k1;
};

uint64_t	hash_bytes(const struct hash_key *, const void *, size_t);
void		hash_id_key(struct hash_key out[2], const char *seed,
		    const char *input, uint64_t inode, uint64_t fp_hash);
void		hash_id(const struct hash_key key[2], uint64_t offset,
		    char out[HASH_ID_LEN + 1]);

extern const struct hash_key hash_fp_key;

#endif
