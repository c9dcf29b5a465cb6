/* src/sw_notify.h: systemd's notification protocol (Type=notify): READY once the capture is open
 * and the rules loaded, RELOADING/READY around SIGHUP reloads, STOPPING, and watchdog pings.
 * Built with libsystemd when configure finds it; without it every call does nothing. */
#ifndef SW_NOTIFY_H
#define SW_NOTIFY_H

#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
/* Microseconds between watchdog pings (half of WatchdogSec), 0 when no watchdog is asked for. */
uint64_t notify_watchdog_interval(void);
void notify_watchdog(void);

#endif
