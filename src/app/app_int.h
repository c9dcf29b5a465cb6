/* src/app/app_int.h: private to src/app: the dispatch entry points used by the wiring. */
#ifndef SW_APP_INT_H
#define SW_APP_INT_H

#include "app/app.h"
#include "dpi/dpi.h"

#endif
