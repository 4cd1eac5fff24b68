/* line.c: being written; see line.h. */
#include "line.h"
