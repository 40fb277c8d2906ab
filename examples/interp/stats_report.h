/* stats_report.h: the --stats report, the one piece written in C++ (hytm's C
 * API offers the statistics only as JSON; the table and the structured
 * conflict list come from the C++ API). */
#ifndef HYTM_INTERP_STATS_REPORT_H
#define HYTM_INTERP_STATS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes a description of address a to buf and returns nonzero, or returns 0. */
typedef int (*describe_fn)(void *ctx, uintptr_t a, char *buf, size_t n);

/* hytm's statistics table, then, for each address in its conflict report
 * that describe() knows, what the interpreted program calls it. */
void print_stats_report(FILE *out, describe_fn describe, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
