/*
 * fuzz.h: what the fuzz targets share.  Each fuzz_NAME.c defines
 * LLVMFuzzerTestOneInput(); libFuzzer drives it under `make fuzz`, and
 * replay.c runs it over tests/fuzz/corpus/NAME/ under `make check`.
 * A broken invariant calls FUZZ_CHECK, which traps: both drivers then
 * report the input.
 */
#ifndef SIDELOG_FUZZ_H
#define SIDELOG_FUZZ_H
#include <stddef.h>
#include <stdint.h>

#define FUZZ_CHECK(cond)	do { if (!(cond)) __builtin_trap(); } while (0)

struct config;
struct line_rec;
struct record_tpl;

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char	*fuzz_dir(void);
const char	*fuzz_file(const char *name, const uint8_t *, size_t);
struct config	*fuzz_config(const char *text);
struct parser;
void		 fuzz_record_check(const struct record_tpl *,
		    const struct line_rec *, struct parser *);

#endif
