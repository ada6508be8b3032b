/* placeholder while packet-pop3.c is written */
#include "mail-engine.h"
void proto_register_pop3(void);
void proto_reg_handoff_pop3(void);
void proto_register_pop3(void) {}
void proto_reg_handoff_pop3(void) {}
