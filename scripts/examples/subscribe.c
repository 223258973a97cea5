// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * subscribe.c - a complete fplate client in C: print N samples of live
 * force data as CSV (the columns of `fplate stream --csv`) and say whether
 * any frame was lost. Uses only libfplate's public API (libfplate(3)).
 *
 *   cc subscribe.c $(pkg-config --cflags --libs libfplate) -o subscribe
 *   ./subscribe [ENDPOINT [SAMPLES]]     (default $FPLATE_ENDPOINT, 2000)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <fplate/calib.h>   /* FP_NFIELDS, fp_field_name */
#include <fplate/sub.h>

int main(int argc, char **argv)
{
	long want = argc > 2 ? atol(argv[2]) : 2000, done = 0;
	struct fp_sub *sub;
	struct fp_sub_msg m;
	struct fp_sub_stats st;
	char msg[256];
	int ret;

	if (fp_sub_open(argc > 1 ? argv[1] : NULL, FP_SUB_FORCE, &sub, msg, sizeof(msg))) {
		fprintf(stderr, "subscribe: %s\n", msg);
		return 2;
	}
	printf("sample,t_ns,plate");
	for (int k = 0; k < FP_NFIELDS; k++)
		printf(",%s", fp_field_name(k));
	printf(",flags,sync\n");
	while (done < want) {
		ret = fp_sub_read(sub, &m, 3000, msg, sizeof(msg));
		if (ret == 0) {
			fprintf(stderr, "subscribe: nothing from fplated at %s within 3 s\n",
				fp_sub_endpoint(sub));
			break;
		}
		if (ret == -EINTR || ret == -EBADMSG) {
			if (ret == -EBADMSG)
				fprintf(stderr, "subscribe: skipped: %s\n", msg);
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "subscribe: %s\n", msg);
			break;
		}
		if (m.new_stream && done) /* fplated restarted: indices start again */
			fprintf(stderr, "subscribe: fplated restarted (stream_id %u) before sample "
				"%llu\n", m.frame.h.stream_id,
				(unsigned long long)m.frame.h.first_sample);
		if (m.missed_frames)
			fprintf(stderr, "subscribe: %llu frames lost before sample %llu\n",
				(unsigned long long)m.missed_frames,
				(unsigned long long)m.frame.h.first_sample);
		for (uint32_t s = 0; s < m.frame.h.n_samples && done < want; s++, done++) {
			long long t = m.frame.h.t0_ns + llround(s * m.frame.h.period_ns);

			for (uint32_t p = 0; p < m.frame.h.n_plates; p++) {
				printf("%llu,%lld,%u", (unsigned long long)(m.frame.h.first_sample + s),
				       t, p + 1);
				for (uint32_t k = 0; k < FP_NFIELDS && k < m.frame.h.n_fields; k++) {
					float v = fp_wire_value(&m.frame, s, p, k);

					if (isnan(v))
						printf(",nan");
					else
						printf(",%.9g", v);
				}
				printf(",%u,", m.frame.h.flags & 0xff);
				if (m.frame.sync) /* empty: the device has no sync input */
					printf("%u", fp_wire_sync(&m.frame, s));
				printf("\n");
			}
		}
	}
	fp_sub_stats(sub, &st);
	fprintf(stderr, "subscribe: %llu frames, %llu samples, %llu missed frames, %llu malformed\n",
		(unsigned long long)st.frames, (unsigned long long)st.samples,
		(unsigned long long)st.missed_frames, (unsigned long long)st.malformed);
	fp_sub_close(sub);
	return done < want;
}
