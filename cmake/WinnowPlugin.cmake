# winnow_add_plugin(<target> SOURCES <src>... MANIFEST <manifest.json> [LIBS <lib>...] [NO_INSTALL])
#
# Builds one winnow plugin: a shared library exporting only winnow_plugin_init_v1 (hidden
# visibility for everything else) with its manifest copied beside it as
# <target>.winnow-plugin.json. Used in-tree and, installed with the SDK, out of tree after
# find_package(winnow). WINNOW_PLUGIN_OUTPUT_DIR (optional) sets where the pair lands.
# The manifest is checked at configure time: it must be JSON and its "library" must be
# lib<target>.so, the file this call produces. NO_INSTALL skips the install rules (test fixtures).
function(winnow_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "MANIFEST" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES OR NOT ARG_MANIFEST)
    message(FATAL_ERROR "winnow_add_plugin(${target}): SOURCES and MANIFEST are required")
  endif()
  get_filename_component(manifest_abs ${ARG_MANIFEST} ABSOLUTE)
  file(READ ${manifest_abs} manifest_text)
  string(JSON manifest_library ERROR_VARIABLE json_error GET "${manifest_text}" library)
  if(json_error)
    message(FATAL_ERROR "winnow_add_plugin(${target}): ${manifest_abs}: ${json_error}")
  endif()
  set(expected_library "${CMAKE_SHARED_MODULE_PREFIX}${target}${CMAKE_SHARED_MODULE_SUFFIX}")
  if(NOT manifest_library STREQUAL expected_library)
    message(FATAL_ERROR "winnow_add_plugin(${target}): ${manifest_abs}: \"library\" is "
                        "\"${manifest_library}\" but this target builds \"${expected_library}\"")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${manifest_abs})

  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "${CMAKE_SHARED_MODULE_PREFIX}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # The build tree's RUNPATH is the install one: only the absolute folders of libraries linked
    # from outside the system folders. CMake's own build RUNPATH is padded with ':' so install can
    # rewrite it in place, and an empty entry makes the loader search the current folder: a
    # library planted where winnow runs would be loaded (issue 16).
    BUILD_WITH_INSTALL_RPATH ON
    INSTALL_RPATH_USE_LINK_PATH ON)
  target_link_libraries(${target} PRIVATE winnow::plugin_sdk ${ARG_LIBS})
  if(DEFINED WINNOW_PLUGIN_OUTPUT_DIR)
    set(out_dir ${WINNOW_PLUGIN_OUTPUT_DIR})
  elseif(DEFINED WINNOW_PLUGIN_BUILD_DIR)
    set(out_dir ${WINNOW_PLUGIN_BUILD_DIR})
  else()
    set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${out_dir})
  configure_file(${manifest_abs} ${out_dir}/${target}.winnow-plugin.json COPYONLY)
  if(COMMAND winnow_set_warnings)
    winnow_set_warnings(${target})
  endif()
  if(DEFINED WINNOW_PLUGIN_INSTALL_DIR AND NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${WINNOW_PLUGIN_INSTALL_DIR} COMPONENT plugins)
    install(FILES ${out_dir}/${target}.winnow-plugin.json DESTINATION ${WINNOW_PLUGIN_INSTALL_DIR}
            COMPONENT plugins)
  endif()
endfunction()
