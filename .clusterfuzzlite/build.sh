#!/bin/bash -eu
# ClusterFuzzLite's build step ($SRC/build.sh in the image): the project's own OSS-Fuzz script.
exec "$SRC/mqtt-harness/fuzz/build.sh"
