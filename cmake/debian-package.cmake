# cmake/debian-package.cmake — `cpack` in a stand-alone build folder makes
# mailscope_<version>_<arch>.deb from the install rules of CMakeLists.txt.
#
# One package per Wireshark release: a plugin loads only into the
# major.minor it was built for, so the package is tied to it three ways:
#   - the Debian version says which release it is for: 0.1.0-1~ws4.0,
#     0.1.0-1~ws4.4, ... (a newer Wireshark's package sorts higher, so an
#     upgraded system upgrades the plugin too);
#   - Depends on the libwireshark package that provides the soname the
#     plugin links against (dpkg-shlibdeps writes the lower bound, we add the
#     upper one: libwireshark16 (<< 4.1~));
#   - Breaks wireshark-common outside X.Y: after a release upgrade the old
#     libwiresharkNN may stay installed while tshark and wireshark are the new
#     release, which no longer looks into plugins/X.Y.
# Files: the plugin in Wireshark's global plugin folder, README.md, LICENSE
# and the Debian copyright file in /usr/share/doc/mailscope; nothing else (no
# maintainer scripts, no configuration files), so `apt-get purge` leaves
# nothing behind.  tools/deb builds and tests it.
#
# SPDX-License-Identifier: GPL-2.0-or-later

# Only where dpkg lives; elsewhere `cpack` is simply not configured.
find_program(MAILSCOPE_DPKG dpkg)
find_program(MAILSCOPE_DPKG_QUERY dpkg-query)
if(NOT MAILSCOPE_DPKG OR NOT MAILSCOPE_DPKG_QUERY OR MAILSCOPE_USER_INSTALL)
  return()
endif()
if(IS_ABSOLUTE "${MAILSCOPE_INSTALL_DIR}")
  message(STATUS "Debian package: not configured (install prefix ${CMAKE_INSTALL_PREFIX} does not contain ${WS_GLOBAL_PLUGIN_DIR})")
  return()
endif()

# The package that ships the libwireshark soname we link against.
find_library(MAILSCOPE_LIBWIRESHARK NAMES wireshark
  HINTS "${Wireshark_LIB_DIR}" ${WIRESHARK_LIBRARY_DIRS} NO_CACHE)
set(_ms_libpkg "")
if(MAILSCOPE_LIBWIRESHARK)
  get_filename_component(_ms_real "${MAILSCOPE_LIBWIRESHARK}" REALPATH)
  get_filename_component(_ms_dir "${_ms_real}" DIRECTORY)
  get_filename_component(_ms_name "${_ms_real}" NAME)
  # libwireshark.so.16.0.17 -> soname file libwireshark.so.16
  if(_ms_name MATCHES "^(libwireshark\\.so\\.[0-9]+)")
    execute_process(COMMAND "${MAILSCOPE_DPKG_QUERY}" -S "${_ms_dir}/${CMAKE_MATCH_1}"
      OUTPUT_VARIABLE _ms_owner ERROR_QUIET RESULT_VARIABLE _ms_rc)
    if(_ms_rc EQUAL 0 AND _ms_owner MATCHES "^([a-z0-9][a-z0-9+.-]*)[:,]")
      set(_ms_libpkg "${CMAKE_MATCH_1}")
    endif()
  endif()
endif()
if(NOT _ms_libpkg)
  message(STATUS "Debian package: not configured (no Debian package owns ${MAILSCOPE_LIBWIRESHARK})")
  return()
endif()

# X.Y and the next minor release, for the version range.
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ms_xy "${WS_VERSION}")
set(_ms_major "${CMAKE_MATCH_1}")
math(EXPR _ms_next_minor "${CMAKE_MATCH_2} + 1")
set(_ms_next "${_ms_major}.${_ms_next_minor}~")
set(_ms_this "${WS_VERSION_RELEASE}~")

set(MAILSCOPE_DEB_MAINTAINER "mailscope maintainers <mailscope@example.org>"
  CACHE STRING "Maintainer field of the Debian package")
set(MAILSCOPE_DEB_RELEASE "1" CACHE STRING "Debian revision of the package (before ~wsX.Y)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mailscope)
set(CPACK_PACKAGE_VERSION "${MAILSCOPE_VERSION}")
set(CPACK_PACKAGE_VENDOR "mailscope")
set(CPACK_PACKAGE_CONTACT "${MAILSCOPE_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin: SMTP and POP3 dissectors for any TCP port")
# (The extended description; CPack puts the summary above it.)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "mailscope adds heuristic SMTP (filter esmtp) and POP3 (filter pop3)
dissectors to Wireshark and TShark: they recognise mail sessions on any TCP
port, show where each packet stands in the session (greeting, handshake,
TLS, authentication, transaction, data), decode SASL credentials and warn
when they cross the wire without TLS, and flag STARTTLS command injection
and SMTP smuggling.
.
This build is for Wireshark ${WS_VERSION_RELEASE} only.")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${MAILSCOPE_DEB_RELEASE}~ws${WS_VERSION_RELEASE}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_ms_libpkg} (<< ${_ms_next})")
set(CPACK_DEBIAN_PACKAGE_BREAKS "wireshark-common (<< ${_ms_this}), wireshark-common (>= ${_ms_next})")
set(CPACK_DEBIAN_PACKAGE_ENHANCES "wireshark-common")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_STRIP_FILES ON)
# Only this project's install rules, plus the Debian-only files below.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};mailscope;ALL;/;${CMAKE_BINARY_DIR};mailscope;debian;/")

# Files only the package has: Debian's copyright file and the changelog
# (gzip -9n, as Debian policy wants documentation in /usr/share/doc).
set(_ms_pkgdoc "${CMAKE_BINARY_DIR}/debian-doc")
file(MAKE_DIRECTORY "${_ms_pkgdoc}")
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/copyright" "${_ms_pkgdoc}/copyright" COPYONLY)
# (string(TIMESTAMP) honours SOURCE_DATE_EPOCH: tools/deb sets the commit's date.)
string(TIMESTAMP MAILSCOPE_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(MAILSCOPE_DEB_VERSION "${MAILSCOPE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
set(MAILSCOPE_DEB_LIBPKG "${_ms_libpkg}")
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/changelog.in" "${_ms_pkgdoc}/changelog.Debian" @ONLY)
install(FILES "${_ms_pkgdoc}/copyright" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
  COMPONENT debian EXCLUDE_FROM_ALL)
install(CODE "
  execute_process(COMMAND gzip -9nc \"${_ms_pkgdoc}/changelog.Debian\"
    OUTPUT_FILE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/changelog.Debian.gz\")"
  COMPONENT debian EXCLUDE_FROM_ALL)

include(CPack)
message(STATUS "Debian package: cpack makes ${CPACK_PACKAGE_NAME}_${MAILSCOPE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}_<arch>.deb (Depends: ${CPACK_DEBIAN_PACKAGE_DEPENDS}, plus dpkg-shlibdeps)")
