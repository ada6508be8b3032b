/* plugin.c — mailscope's plugin entry points.
 *
 * Wireshark loads the module, checks plugin_want_major/minor against its own
 * release and calls plugin_register(); everything else in the module is
 * hidden (-fvisibility=hidden), so these are the only exported symbols.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Only this file exports symbols (as in Wireshark's generated plugin.c): on
 * Windows, WS_BUILD_DLL turns WS_DLL_PUBLIC into dllexport, which the other
 * files must not get for the libwireshark functions they import. */
#ifndef WS_BUILD_DLL
#define WS_BUILD_DLL
#endif
#include "ws-compat.h"
#include "mail-engine.h"

WS_DLL_PUBLIC_DEF const char plugin_version[] = MAILSCOPE_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void
plugin_register(void)
{
    static proto_plugin esmtp_plugin = {
        .register_protoinfo = proto_register_esmtp,
        .register_handoff = proto_reg_handoff_esmtp,
    };
    static proto_plugin pop3_plugin = {
        .register_protoinfo = proto_register_pop3,
        .register_handoff = proto_reg_handoff_pop3,
    };
    proto_register_plugin(&esmtp_plugin);
    proto_register_plugin(&pop3_plugin);
}

#if MS_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
