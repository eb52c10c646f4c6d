-- Drives `omnis lsp` from Neovim's built-in client (headless), on a copy
-- of tests/fixtures/lsp: run by tests/nvim.rs as
--   nvim --headless --clean -u NONE -c "luafile tests/nvim/lsp_test.lua"
-- with OMNIS_BIN (the server), OMNIS_ROOT (the project) and OMNIS_OUT (a
-- file that receives one `ok NAME` or `FAIL NAME: why` line per check).
-- Written for Neovim 0.7 and later (vim.lsp.start_client).

local bin, root, out_path = os.getenv("OMNIS_BIN"), os.getenv("OMNIS_ROOT"), os.getenv("OMNIS_OUT")
local out = assert(io.open(out_path, "w"))
vim.o.hidden = true -- buffers changed by a rename stay open, unsaved

local function report(name, ok, why)
  out:write((ok and "ok " .. name or ("FAIL " .. name .. ": " .. tostring(why))) .. "\n")
  out:flush()
end

local function check(name, f)
  local ok, err = pcall(f)
  report(name, ok, err)
end

local client_id = vim.lsp.start_client({
  name = "omnis",
  cmd = { bin, "lsp" },
  root_dir = root,
})

local function open(name)
  local path = root .. "/" .. name
  if vim.api.nvim_buf_get_name(0) ~= path then
    vim.cmd("edit " .. path)
  end
  vim.lsp.buf_attach_client(0, client_id)
end

local function goto_text(text, shift)
  local pos = vim.fn.searchpos("\\V" .. text, "cw")
  assert(pos[1] > 0, "no " .. text .. " in " .. vim.api.nvim_buf_get_name(0))
  vim.api.nvim_win_set_cursor(0, { pos[1], pos[2] - 1 + (shift or 0) })
end

local function buffer_text()
  return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
end

check("diagnostics", function()
  open("typo.omni")
  assert(vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 20), "no diagnostics")
  local d = vim.diagnostic.get(0)[1]
  assert(d.code == "unknown-name", "code " .. tostring(d.code))
  assert(d.lnum == 8 and d.col == 9, "at " .. d.lnum .. ":" .. d.col)
  assert(d.message:find("there is no message named `promo_mial`", 1, true), d.message)
  assert(d.message:find("did you mean `promo_mail`?", 1, true), d.message)
end)

check("diagnostics_cleared_as_you_type", function()
  goto_text("promo_mial")
  vim.cmd("normal! cwpromo_mail")
  assert(vim.wait(30000, function() return #vim.diagnostic.get(0) == 0 end, 20), "still reported")
end)

check("definition", function()
  open("welcome.omni")
  goto_text("emailable", 2)
  vim.lsp.buf.definition()
  assert(vim.wait(30000, function()
    return vim.api.nvim_buf_get_name(0):match("vocab%.omni$") ~= nil
  end, 20), "did not jump")
  local cursor = vim.api.nvim_win_get_cursor(0)
  assert(cursor[1] == 17 and cursor[2] == 8, "at " .. cursor[1] .. ":" .. cursor[2])
end)

check("hover", function()
  open("welcome.omni")
  goto_text("emailable")
  local r = vim.lsp.buf_request_sync(0, "textDocument/hover", vim.lsp.util.make_position_params(), 30000)
  local value = r and r[client_id] and r[client_id].result and r[client_id].result.contents.value
  assert(value, "no hover")
  assert(value:find("segment emailable = email_opt_in and first_timers", 1, true), value)
  assert(value:find("segment first_timers = orders_count == 0", 1, true), value)
end)

check("rename", function()
  open("welcome.omni")
  goto_text("nudge_mail")
  vim.lsp.buf.rename("nudge_email")
  assert(vim.wait(30000, function()
    local _, n = buffer_text():gsub("nudge_email", "")
    return n == 2
  end, 20), "not renamed: " .. buffer_text())
end)

check("rename_refuses_keywords", function()
  open("welcome.omni")
  goto_text("journey")
  local r = vim.lsp.buf_request_sync(0, "textDocument/prepareRename", vim.lsp.util.make_position_params(), 30000)
  local err = r and r[client_id] and r[client_id].error
  assert(err and err.message:find("keyword", 1, true), vim.inspect(r))
end)

check("formatting", function()
  open("messy.omni")
  vim.lsp.buf.formatting_sync(nil, 30000)
  local want = 'import "vocab.omni"\nmessage m { channel email  template "t" }'
  assert(buffer_text() == want, buffer_text())
end)

out:close()
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
