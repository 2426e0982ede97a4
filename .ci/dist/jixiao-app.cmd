@echo off
rem jixiao: opens the browser app on the reports stored in the folder "data" beside this file.
rem Double-click to open it; drop a folder of reports (PDF, Word, web pages, text) on this file to
rem import them first. Reports can also be imported in the browser (导入 page).
chcp 65001 >nul
set "HERE=%~dp0"
set "DATA=%HERE%data"
if not "%~1"=="" (
  "%HERE%jixiao.exe" --data "%DATA%" ingest "%~1"
)
"%HERE%jixiao.exe" --data "%DATA%" serve --open --allow-ingest --port 0
pause
