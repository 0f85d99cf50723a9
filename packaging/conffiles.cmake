# CPACK_PRE_BUILD_SCRIPTS: run by cpack once the files are installed in its
# staging folder, before the .deb is made. Every file the package puts under
# /etc is a conffile (Debian policy 10.7.2), whichever CMakeLists installed
# it (packaging/, packaging/systemd/ ...): listed here from what is really
# there, so that no one has to keep a list in step.
file(GLOB_RECURSE etc_files LIST_DIRECTORIES false RELATIVE "${CPACK_TEMPORARY_INSTALL_DIRECTORY}"
     "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/etc/*")
list(SORT etc_files)
set(lines "")
foreach(f ${etc_files})
  if(NOT IS_SYMLINK "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/${f}")
    string(APPEND lines "/${f}\n")
  endif()
endforeach()
if(lines STREQUAL "")
  message(FATAL_ERROR "conffiles: no file under ${CPACK_TEMPORARY_INSTALL_DIRECTORY}/etc")
endif()
file(WRITE "${CPACK_MEDPACKET_CONFFILES}" "${lines}")
