-- kw-lua.rules: the stream need: reassembled data to the server holding "GET /data.bin"
function init(args)
    return {stream = tostring(true)}
end

function match(args)
    local s = args["stream"]
    if s ~= nil and s:find("GET /data.bin", 1, true) then
        return 1
    end
    return 0
end
