# tests/tests.cmake — ctest tests for mailscope (included by the top-level CMakeLists.txt).
#
# Every test runs tests/run-tests CHECK against this build tree; tshark runs
# through tests/tshark-wrapper with the plugin from ${CMAKE_BINARY_DIR}/plugins.
# Run them with:  ctest --test-dir <build> --output-on-failure [-R regex] [-j N]
#
# SPDX-License-Identifier: GPL-2.0-or-later

find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(MAILSCOPE_TSHARK tshark)
if(NOT MAILSCOPE_TSHARK)
  message(WARNING "tshark not found: the tests will fail (install the tshark package)")
endif()

set(_ms_runner
  ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run-tests
  --source-dir ${CMAKE_SOURCE_DIR}
  --build-dir ${CMAKE_BINARY_DIR})

# Environment for every test.  In a sanitizer build, tshark (not built with
# the sanitizers) gets the ASan/UBSan runtimes preloaded; the wrapper applies
# MAILSCOPE_PRELOAD to tshark only, not to python or the wrapper itself.
set(_ms_env "")
if(MAILSCOPE_TSHARK)
  list(APPEND _ms_env "MAILSCOPE_TSHARK=${MAILSCOPE_TSHARK}")
endif()
if(MAILSCOPE_SANITIZE)
  set(_ms_preload "")
  foreach(_lib libasan.so libubsan.so)
    execute_process(
      COMMAND ${CMAKE_C_COMPILER} -print-file-name=${_lib}
      OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0 OR NOT IS_ABSOLUTE "${_path}" OR NOT EXISTS "${_path}")
      message(FATAL_ERROR "MAILSCOPE_SANITIZE: ${CMAKE_C_COMPILER} does not know where ${_lib} is ('${_path}')")
    endif()
    get_filename_component(_path "${_path}" REALPATH)
    list(APPEND _ms_preload "${_path}")
  endforeach()
  string(REPLACE ";" ":" _ms_preload "${_ms_preload}")
  message(STATUS "mailscope tests: tshark runs with LD_PRELOAD=${_ms_preload}")
  list(APPEND _ms_env
    "MAILSCOPE_PRELOAD=${_ms_preload}"
    # Leak checking is off: tshark and GLib keep memory until exit on purpose.
    "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=99:detect_odr_violation=0:print_summary=1"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98")
endif()

set(_ms_checks
  plugin-load
  exports
  selftest-no-plugin
  captures-readme
  goldens-one-pass
  goldens-two-pass
  assertions-one-pass
  assertions-two-pass
  credentials
  profile
  views
  views-crosscheck
  teaching
  expert-texts)

foreach(_check IN LISTS _ms_checks)
  add_test(NAME ${_check} COMMAND ${_ms_runner} ${_check})
  set_tests_properties(${_check} PROPERTIES
    ENVIRONMENT "${_ms_env}"
    TIMEOUT 600)
endforeach()

# Loading the plugin is what everything else builds on: if it fails, the
# tshark-based checks are reported as not run instead of failing by the dozen.
set_tests_properties(plugin-load PROPERTIES FIXTURES_SETUP mailscope_loaded)
set_tests_properties(
  goldens-one-pass goldens-two-pass assertions-one-pass assertions-two-pass credentials profile
  views views-crosscheck teaching expert-texts
  PROPERTIES FIXTURES_REQUIRED mailscope_loaded)
# The longest-running checks first, so that ctest -j keeps both cores busy.
set_tests_properties(goldens-one-pass goldens-two-pass assertions-one-pass assertions-two-pass
  credentials PROPERTIES COST 10)
set_tests_properties(credentials PROPERTIES TIMEOUT 900)

# The README's field/expert/preference tables match what the plugin registers.
add_test(NAME readme-tables COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/doc-tables --check)
# (With the sanitizer runtimes too: an ASan plugin does not load into tshark without them.)
set(_ms_doc_env ${_ms_env} "MAILSCOPE_BUILD_DIR=${CMAKE_BINARY_DIR}")
set_tests_properties(readme-tables PROPERTIES ENVIRONMENT "${_ms_doc_env}")

# Robustness (tools/fuzz, docs/robustness.md): every reproducer saved in
# tests/fuzz-findings/ must run clean (one-pass and -2), and a short
# deterministic fuzzing slice (fixed seed, at most ~3 minutes) finds nothing.
# In a sanitizer build both run with the ASan/UBSan runtimes preloaded.
add_test(NAME fuzz-findings COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/fuzz
  --replay ${CMAKE_SOURCE_DIR}/tests/fuzz-findings --no-build --build-dir ${CMAKE_BINARY_DIR})
add_test(NAME fuzz-slice COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/fuzz
  --ci --no-build --build-dir ${CMAKE_BINARY_DIR} --findings ${CMAKE_BINARY_DIR}/fuzz-findings)
set_tests_properties(fuzz-findings fuzz-slice PROPERTIES
  ENVIRONMENT "${_ms_env}" TIMEOUT 400 LABELS fuzz FIXTURES_REQUIRED mailscope_loaded)
set_tests_properties(fuzz-slice PROPERTIES COST 10)

# mailscope finds every command and reply Wireshark's built-in smtp/pop find
# on the standard-port captures (documented differences aside), and Export
# Objects > IMF gives one object per message.
add_test(NAME compare-builtin COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/compare-builtin
         --build-dir ${CMAKE_BINARY_DIR})
set_tests_properties(compare-builtin PROPERTIES ENVIRONMENT "${_ms_env}")

# The real Wireshark GUI under Xvfb (tests/gui-check): it starts on bundled
# captures with the plugin, Statistics > mailscope > SMTP/POP3 sessions open
# mailscope's statistics window, no warning dialog, no crash.  Skipped (exit
# status 77, with the reason) when Xvfb, xdotool or wireshark are missing or
# no display server can be started.
add_test(NAME gui COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/gui-check
         --build-dir ${CMAKE_BINARY_DIR})
set_tests_properties(gui PROPERTIES ENVIRONMENT "${_ms_env}" SKIP_RETURN_CODE 77 TIMEOUT 400
  FIXTURES_REQUIRED mailscope_loaded)

# Messages exactly as sent (issue 12): a reference program that shares no
# code with plugin/ cuts every DATA/RETR/BDAT message out of each capture's
# TCP payload (tshark "follow" without the plugin) and compares the digests
# with Export Objects > IMF, one-pass and -2; and each real capture's
# messages against the copy the server itself stored (test-captures/*.stored/).
add_test(NAME messages-reference COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/message-oracle
         --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR} reference)
add_test(NAME messages-stored COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/message-oracle
         --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR} stored)
set_tests_properties(messages-reference messages-stored PROPERTIES
  ENVIRONMENT "${_ms_env}" TIMEOUT 900 FIXTURES_REQUIRED mailscope_loaded COST 10)

# With esmtp.mask_secrets / pop3.mask_secrets on, no field, column or expert
# text shows a password or token in any encoding (tests/secrets-masked).
add_test(NAME secrets-masked COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/secrets-masked
         --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR})
# mailscope against Zeek's and Suricata's own expected outputs on their own
# captures (test-captures/peers/, docs/peer-conformance.md).
add_test(NAME peer-conformance COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/peer-conformance
         --source-dir ${CMAKE_SOURCE_DIR} --build-dir ${CMAKE_BINARY_DIR})
set_tests_properties(secrets-masked peer-conformance PROPERTIES
  ENVIRONMENT "${_ms_env}" TIMEOUT 900 FIXTURES_REQUIRED mailscope_loaded)
set_tests_properties(peer-conformance PROPERTIES COST 10)
