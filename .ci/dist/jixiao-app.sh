#!/bin/sh
# jixiao: opens the browser app on the reports stored in the folder "data" beside this file.
#   ./jixiao-app.sh                 open the app (reports can be imported in the browser: 导入)
#   ./jixiao-app.sh FOLDER          import the reports in FOLDER first
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
  "$here/jixiao" --data "$here/data" ingest "$1" || exit 1
fi
exec "$here/jixiao" --data "$here/data" serve --open --allow-ingest --port 0
