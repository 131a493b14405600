# Install script for directory: /tmp/sipmob-docs_commands.rIij6D/src/dist

# Set the install prefix
if(NOT DEFINED CMAKE_INSTALL_PREFIX)
  set(CMAKE_INSTALL_PREFIX "/usr/local")
endif()
string(REGEX REPLACE "/$" "" CMAKE_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")

# Set the install configuration name.
if(NOT DEFINED CMAKE_INSTALL_CONFIG_NAME)
  if(BUILD_TYPE)
    string(REGEX REPLACE "^[^A-Za-z0-9_]+" ""
           CMAKE_INSTALL_CONFIG_NAME "${BUILD_TYPE}")
  else()
    set(CMAKE_INSTALL_CONFIG_NAME "RelWithDebInfo")
  endif()
  message(STATUS "Install configuration: \"${CMAKE_INSTALL_CONFIG_NAME}\"")
endif()

# Set the component getting installed.
if(NOT CMAKE_INSTALL_COMPONENT)
  if(COMPONENT)
    message(STATUS "Install component: \"${COMPONENT}\"")
    set(CMAKE_INSTALL_COMPONENT "${COMPONENT}")
  else()
    set(CMAKE_INSTALL_COMPONENT)
  endif()
endif()

# Install shared libraries without execute permission?
if(NOT DEFINED CMAKE_INSTALL_SO_NO_EXE)
  set(CMAKE_INSTALL_SO_NO_EXE "1")
endif()

# Is this installation the result of a crosscompile?
if(NOT DEFINED CMAKE_CROSSCOMPILING)
  set(CMAKE_CROSSCOMPILING "FALSE")
endif()

# Set default install directory permissions.
if(NOT DEFINED CMAKE_OBJDUMP)
  set(CMAKE_OBJDUMP "/usr/bin/objdump")
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/..." TYPE FILE FILES "/tmp/sipmob-docs_commands.rIij6D/src/systemd/sipmob-da.service")
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/..." TYPE FILE FILES "/tmp/sipmob-docs_commands.rIij6D/src/systemd/sipmob-device@.service")
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/..." TYPE FILE FILES "/tmp/sipmob-docs_commands.rIij6D/src/systemd/sipmob-sa.service")
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/..." TYPE FILE FILES "/tmp/sipmob-docs_commands.rIij6D/src/systemd/sipmob-transcoder.service")
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/share/doc/sipmob/examples" TYPE FILE FILES
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/device-wall.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-beacon.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-da.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-mn.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-sa.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-slp.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob-transcoder.conf"
    "/tmp/sipmob-docs_commands.rIij6D/src/dist/etc/sipmob.conf"
    )
endif()

if(CMAKE_INSTALL_COMPONENT STREQUAL "Unspecified" OR NOT CMAKE_INSTALL_COMPONENT)
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/share/man/man1" TYPE FILE FILES
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-beacon.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-da.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-device.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-mn.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-sa.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-slp.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob-transcoder.1"
    "/tmp/sipmob-docs_commands.rIij6D/src/man/sipmob.1"
    )
endif()

