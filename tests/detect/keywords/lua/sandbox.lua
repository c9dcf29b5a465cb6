-- kw-lua.rules: what a rule's script must not reach is not there
function init(args)
    return {packet = tostring(true)}
end

local gone = {io, os, package, debug, require, dofile, loadfile, load, loadstring,
              pcall, xpcall, coroutine, print, newproxy, collectgarbage, getfenv, setfenv,
              string.dump}

function match(args)
    for i = 1, 18 do
        if gone[i] ~= nil then
            return 0
        end
    end
    return 1
end
