-- kw-lua.rules: the buffer need, the sticky buffer before the keyword: "POST"
function init(args)
    return {buffer = tostring(true)}
end

function match(args)
    if args["buffer"] == "POST" then
        return 1
    end
    return 0
end
