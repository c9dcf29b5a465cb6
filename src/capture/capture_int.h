/* src/capture/capture_int.h: private to src/capture. */
#ifndef SW_CAPTURE_INT_H
#define SW_CAPTURE_INT_H

#include "capture/capture.h"

extern const struct capture_ops capture_pcap_file;
extern const struct capture_ops capture_pcap_live;
#ifdef __linux__
extern const struct capture_ops capture_afpacket;

/* Attaches a filter that takes no packet to the packet socket fd: from then on the kernel
 * neither queues nor counts (PACKET_STATISTICS) a packet for it. 0, or -1 with errno. */
int capture_reject_all(int fd);
#endif

#endif
