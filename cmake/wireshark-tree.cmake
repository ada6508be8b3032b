# cmake/wireshark-tree.cmake — mailscope built as a plugin of a Wireshark
# source tree: this folder copied (or linked) to plugins/epan/mailscope and
# listed in the tree's CMakeListsCustom.txt (docs/building.md).  CMakeLists.txt
# includes this file and stops there; Wireshark's own plugin macros do the
# rest, as for the plugins Wireshark ships (compiler flags and warnings of that
# tree, Windows resource file, macOS bundle layout, `ninja checkAPI`).
#
# SPDX-License-Identifier: GPL-2.0-or-later

include(WiresharkPlugin)

string(REGEX MATCH "^([0-9]+)\\.([0-9]+)\\.([0-9]+)" _ms_v "${MAILSCOPE_VERSION}")
set_module_info(mailscope ${CMAKE_MATCH_1} ${CMAKE_MATCH_2} ${CMAKE_MATCH_3} 0)

set(PLUGIN_FILES ${MAILSCOPE_SOURCES})
set_source_files_properties(${PLUGIN_FILES} PROPERTIES COMPILE_FLAGS "${WERROR_COMMON_FLAGS}")

add_wireshark_plugin_library(mailscope epan)
target_include_directories(mailscope PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/plugin")
target_compile_definitions(mailscope PRIVATE MAILSCOPE_VERSION="${MAILSCOPE_VERSION}")
target_link_libraries(mailscope epan)
install_plugin(mailscope epan)

CHECKAPI(
  NAME mailscope
  SWITCHES --group dissectors-prohibited --group dissectors-restricted
  SOURCES ${MAILSCOPE_SOURCES} ${MAILSCOPE_HEADERS}
)
message(STATUS "mailscope ${MAILSCOPE_VERSION}: built in-tree as an epan plugin")
