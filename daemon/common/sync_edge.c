// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_edge.c - edges of the per-sample sync word (sync_edge.h).
 */
#include <errno.h>
#include <string.h>

#include "sync_edge.h"

int fp_edge_parse(const char *s, enum fp_edge *e)
{
	if (!strcmp(s, "rising"))
		*e = FP_EDGE_RISING;
	else if (!strcmp(s, "falling"))
		*e = FP_EDGE_FALLING;
	else
		return -EINVAL;
	return 0;
}

const char *fp_edge_name(enum fp_edge e)
{
	return e == FP_EDGE_RISING ? "rising" : e == FP_EDGE_FALLING ? "falling" : "none";
}

long fp_edge_find(const struct fp_edge_track *t, const uint32_t *words, uint32_t from,
		  uint32_t n, unsigned int bit, enum fp_edge e)
{
	uint32_t m = 1u << bit;

	if (e == FP_EDGE_NONE || !words)
		return -1;
	for (uint32_t s = from; s < n; s++) {
		uint32_t prev;

		if (s)
			prev = words[s - 1];
		else if (t->have_prev)
			prev = t->prev;
		else
			continue;
		if (e == FP_EDGE_RISING ? (!(prev & m) && (words[s] & m))
					: ((prev & m) && !(words[s] & m)))
			return (long)s;
	}
	return -1;
}

void fp_edge_advance(struct fp_edge_track *t, const uint32_t *words, uint32_t n)
{
	if (!words || !n)
		return;
	t->prev = words[n - 1];
	t->have_prev = 1;
}
