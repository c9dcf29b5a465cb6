-- kw-lua.rules: a packet whose payload starts with "GET " (the payload need), and
-- SCPacketTuple / SCPacketPayload agree with it
function init(args)
    return {payload = tostring(true)}
end

function match(args)
    local p = args["payload"]
    if p == nil or p:sub(1, 4) ~= "GET " then
        return 0
    end
    local ipver, src, dst, proto, sp, dp = SCPacketTuple()
    if ipver ~= 4 or proto ~= 6 or dp ~= 18080 or SCPacketPayload() ~= p then
        return 0
    end
    return 1
end
