/* src/sw_test.h: -T, the configuration test (sw_test.c). */
#ifndef SW_TEST_H
#define SW_TEST_H

#include <stdio.h>

struct sw_ctx;

/* Does everything the start does short of capturing: builds the rules (their load summary on
 * fp), loads the indicator feeds (their summaries and warnings logged), checks every output can
 * open, the capture inputs exist, the pid file can be written and the run-as user and group
 * exist. Every problem is logged. Returns 0 when the sensor would start, 1 when not. */
int run_test(struct sw_ctx *ctx, FILE *fp);

#endif
