set PHX_SERVER=true
call "%~dp0\my_app" start
