/* src/output/output_int.h: private to src/output: the built-in sinks. */
#ifndef SW_OUTPUT_INT_H
#define SW_OUTPUT_INT_H

#include "output/output.h"

extern const struct output_sink_ops output_sink_stdout;
extern const struct output_sink_ops output_sink_file;

#endif
