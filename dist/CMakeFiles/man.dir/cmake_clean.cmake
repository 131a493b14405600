file(REMOVE_RECURSE
  "../man/sipmob-beacon.1"
  "../man/sipmob-da.1"
  "../man/sipmob-device.1"
  "../man/sipmob-mn.1"
  "../man/sipmob-sa.1"
  "../man/sipmob-slp.1"
  "../man/sipmob-transcoder.1"
  "../man/sipmob.1"
  "CMakeFiles/man"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/man.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
