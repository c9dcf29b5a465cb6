/* src/stream/stream_int.h: private to src/stream. */
#ifndef SW_STREAM_INT_H
#define SW_STREAM_INT_H

#include "stream/stream.h"

#endif
