-- wrk script: HTTP/1.1 pipelining. Sends `depth` requests (argument after
-- `--`, default 16) back to back on each connection write.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
