/* checkpoint.c: being written; see checkpoint.h. */
#include "checkpoint.h"
