/* tests/fuzz/fuzz.h: fuzz targets. Each target file defines fuzz_<name>_one(); built with
 * SW_LIBFUZZER it also defines LLVMFuzzerTestOneInput, otherwise fuzz_replay.c runs it over the
 * seed corpus in tests/fuzz/corpus/<name>/. */
#ifndef SW_FUZZ_H
#define SW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int fuzz_decode_one(const uint8_t *data, size_t size);
int fuzz_conf_one(const uint8_t *data, size_t size);
int fuzz_pcap_one(const uint8_t *data, size_t size);
int fuzz_stream_one(const uint8_t *data, size_t size);
int fuzz_dns_one(const uint8_t *data, size_t size);
int fuzz_tls_one(const uint8_t *data, size_t size);
int fuzz_quic_one(const uint8_t *data, size_t size);
int fuzz_http_one(const uint8_t *data, size_t size);
int fuzz_cti_csv_one(const uint8_t *data, size_t size);
int fuzz_cti_plain_one(const uint8_t *data, size_t size);
int fuzz_cti_kafka_one(const uint8_t *data, size_t size);
int fuzz_cti_stix_one(const uint8_t *data, size_t size);
int fuzz_rule_one(const uint8_t *data, size_t size);
int fuzz_detect_one(const uint8_t *data, size_t size);
int fuzz_starttls_one(const uint8_t *data, size_t size);
int fuzz_report_one(const uint8_t *data, size_t size);
int fuzz_ssh_one(const uint8_t *data, size_t size);
int fuzz_dataset_one(const uint8_t *data, size_t size);
int fuzz_iprep_one(const uint8_t *data, size_t size);
int fuzz_frame_one(const uint8_t *data, size_t size);

#ifdef SW_LIBFUZZER
#define FUZZ_ENTRY(fn)                                                                             \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		return fn(data, size);                                                             \
	}
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
