/* record.c: being written; see record.h. */
#include "record.h"
