/* src/sw_notify.c: sd_notify() calls; see sw_notify.h. */
#include "config.h"

#include <time.h>

#include "sw_notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

void
notify_ready(void)
{
	(void)sd_notify(0, "READY=1\nSTATUS=capturing");
}

void
notify_reloading(void)
{
	struct timespec ts;

	/* systemd 253 and later want the time of the reload with it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
			 (unsigned long long)ts.tv_sec * 1000000ULL +
				 (unsigned long long)ts.tv_nsec / 1000);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

uint64_t
notify_watchdog_interval(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec / 2 : 0;
}

void
notify_watchdog(void)
{
	(void)sd_notify(0, "WATCHDOG=1");
}

#else

void
notify_ready(void)
{
}

void
notify_reloading(void)
{
}

void
notify_stopping(void)
{
}

uint64_t
notify_watchdog_interval(void)
{
	return 0;
}

void
notify_watchdog(void)
{
}

#endif
