/* mail-views.h — session views over the engine's tap records (mail-views.c).
 *
 * Registers, per protocol, the transaction log (tshark -z esmtp,log /
 * -z pop3,log, text or TSV, and a Statistics-menu table in the GUI) and the
 * ladder diagram (tshark -z esmtp,ladder / -z pop3,ladder).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef MAILSCOPE_MAIL_VIEWS_H
#define MAILSCOPE_MAIL_VIEWS_H

#include "mail-engine.h"

/* Call once per protocol, after its tap is registered. */
void ms_views_register(ms_proto_t *p);

#endif /* MAILSCOPE_MAIL_VIEWS_H */
