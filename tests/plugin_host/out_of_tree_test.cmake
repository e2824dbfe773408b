# CTest driver (cmake -P): install the SDK component of WINNOW_BUILD_DIR into a fresh prefix,
# build samples/plugin_example against it with find_package(winnow), then run LOADER (a gtest
# binary) on the built plugin folder. Any failing step fails the test with its output.
foreach(var WINNOW_BUILD_DIR SAMPLE_SOURCE_DIR WORK_DIR LOADER GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "out_of_tree_test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step '${name}' failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "step '${name}' ok")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

run_step(install-sdk ${CMAKE_COMMAND} --install ${WINNOW_BUILD_DIR} --prefix ${prefix} --component sdk)
foreach(expected include/winnow/sdk/plugin_abi.h include/winnow/sdk/plugin_helpers.hpp
                 share/winnow/schemas/plugin-manifest.schema.json)
  if(NOT EXISTS ${prefix}/${expected})
    message(FATAL_ERROR "the SDK install lacks ${expected}")
  endif()
endforeach()
file(GLOB_RECURSE config_files ${prefix}/*/winnowConfig.cmake)
if(NOT config_files)
  message(FATAL_ERROR "the SDK install lacks winnowConfig.cmake")
endif()

set(compiler_arg "")
if(CXX_COMPILER)
  set(compiler_arg -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
run_step(configure-sample ${CMAKE_COMMAND} -S ${SAMPLE_SOURCE_DIR} -B ${WORK_DIR}/build
  -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} ${compiler_arg})
run_step(build-sample ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step(install-sample ${CMAKE_COMMAND} --install ${WORK_DIR}/build --prefix ${WORK_DIR}/sample_prefix)
if(NOT EXISTS ${WORK_DIR}/sample_prefix/lib/winnow/plugins/winnow_example_invert.winnow-plugin.json)
  message(FATAL_ERROR "installing the sample did not place its manifest in lib/winnow/plugins")
endif()
run_step(load-sample ${CMAKE_COMMAND} -E env WINNOW_SAMPLE_PLUGIN_DIR=${WORK_DIR}/build ${LOADER})
