/* contrib/bench/pcap_bare.c: the floor of the benchmark, a bare libpcap read of a capture file.
 *
 * Loops pcap_next_ex() over FILE and touches one byte of every packet (a sum that is printed,
 * so the compiler cannot drop the read), then prints one line of figures:
 *
 *   packets=N bytes=N seconds=S pps=N gbps=G firstbyte_sum=N
 *
 * bytes are captured bytes (caplen), the same thing spanwatch counts in its summary.
 * Built by contrib/bench/run with `cc -O2 pcap_bare.c -lpcap`, not by the project Makefile.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t packets = 0, bytes = 0, sum = 0;
	double start, secs;
	pcap_t *p;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
		return 2;
	}
	start = bench_now();
	if ((p = pcap_open_offline(argv[1], errbuf)) == NULL) {
		fprintf(stderr, "pcap_bare: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	while ((r = pcap_next_ex(p, &hdr, &data)) == 1) {
		packets++;
		bytes += hdr->caplen;
		if (hdr->caplen > 0)
			sum += data[0];
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap_bare: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	secs = bench_now() - start;
	if (secs <= 0)
		secs = 1e-9;
	printf("packets=%llu bytes=%llu seconds=%.3f pps=%.0f gbps=%.3f firstbyte_sum=%llu\n",
	    (unsigned long long)packets, (unsigned long long)bytes, secs,
	    (double)packets / secs, (double)bytes * 8 / secs / 1e9, (unsigned long long)sum);
	return 0;
}
