/* parse.h -- the one parser of numbers in option values, for the library's options
 * (qmap_process_set_option) and the CLI alike, so both accept the same text and give the
 * same messages.
 */
#ifndef QMAP_PARSE_H
#define QMAP_PARSE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Parse exactly n finite numbers separated by sep, the whole of s, into out[n]. `what`
 * names the option in the message ("--energy"). Returns QMAP_OK, or QMAP_ERR_VALUE with
 * "<what>: '<s>' is not a finite number" (n = 1) or "... must be N finite numbers
 * separated by '<sep>'". */
int qmap_parse_numbers(const char *what, const char *s, char sep, int n, double *out);

/* Parse exactly n integers in lo..hi separated by ',', the whole of s, into out[n].
 * Returns QMAP_OK, or QMAP_ERR_VALUE with "<what>: '<s>' is not an integer in lo..hi"
 * (n = 1) or "... must be N integers in lo..hi separated by ','". */
int qmap_parse_integers(const char *what, const char *s, int n, int lo, int hi, int *out);

#ifdef __cplusplus
}
#endif
#endif
