/* src/capture/capture_int.h: private to src/capture. */
#ifndef SW_CAPTURE_INT_H
#define SW_CAPTURE_INT_H

#include "capture/capture.h"

extern const struct capture_ops capture_pcap_file;
extern const struct capture_ops capture_pcap_live;
#ifdef __linux__
extern const struct capture_ops capture_afpacket;
#endif

#endif
