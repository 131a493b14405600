# CMake generated Testfile for 
# Source directory: /tmp/sipmob-docs_commands.rIij6D/src/dist
# Build directory: /tmp/sipmob-docs_commands.rIij6D/src/dist
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
