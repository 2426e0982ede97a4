// jixiao browser app: the little that needs a script. The hit a report page was opened for is
// scrolled into view; the import page uploads files one by one with progress.
(function () {
  var hit = document.querySelector('section.sec.hit');
  if (hit) { hit.scrollIntoView({ block: 'center' }); }

  // Forms that change the store (corrections, merges): sent with the page's token; the answer
  // shows beside the button, and the page reloads when it succeeded.
  var forms = document.querySelectorAll('form.act');
  for (var f = 0; f < forms.length; f++) {
    forms[f].addEventListener('submit', function (e) {
      e.preventDefault();
      var form = e.target;
      var msg = form.querySelector('.msg');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.getAttribute('action'));
      xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
      xhr.setRequestHeader('X-Jixiao-Token', form.getAttribute('data-token') || '');
      xhr.onload = function () {
        var r;
        try { r = JSON.parse(xhr.responseText); } catch (err) { r = { ok: false, message: '失败（' + xhr.status + '）' }; }
        msg.textContent = r.message || r.error || '';
        msg.className = 'msg ' + (r.ok ? 'ok' : 'bad');
        if (r.ok) {
          var next = form.getAttribute('data-next');
          setTimeout(function () { if (next) { window.location.href = next; } else { window.location.reload(); } }, 600);
        }
      };
      xhr.onerror = function () { msg.textContent = '连接失败'; msg.className = 'msg bad'; };
      xhr.send(new URLSearchParams(new FormData(form)).toString());
    });
  }

  var drop = document.getElementById('drop');
  if (!drop) { return; }
  var input = document.getElementById('files');
  var rows = document.querySelector('#progress tbody');
  var queue = [];
  var busy = false;

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }

  function next() {
    if (busy) { return; }
    var item = queue.shift();
    if (!item) { document.getElementById('done').classList.remove('hidden'); return; }
    busy = true;
    var form = new FormData();
    form.append('file', item.file, item.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/ingest');
    // The server refuses an upload without the token its page carries (no cross-site uploads).
    xhr.setRequestHeader('X-Jixiao-Token', document.getElementById('drop').getAttribute('data-token') || '');
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { item.bar.max = e.total; item.bar.value = e.loaded; } };
    xhr.onload = function () {
      var text;
      try { var r = JSON.parse(xhr.responseText); text = r.message; item.result.className = r.ok ? 'ok' : 'bad'; }
      catch (e) { text = xhr.status === 413 ? '文件超过大小上限' : ('失败（' + xhr.status + '）'); item.result.className = 'bad'; }
      item.result.textContent = text;
      busy = false;
      next();
    };
    xhr.onerror = function () { item.result.textContent = '连接失败'; item.result.className = 'bad'; busy = false; next(); };
    xhr.send(form);
  }

  function add(files) {
    for (var i = 0; i < files.length; i++) {
      var tr = document.createElement('tr');
      cell(tr, files[i].name);
      var td = cell(tr, '');
      var bar = document.createElement('progress');
      bar.max = 1; bar.value = 0;
      td.appendChild(bar);
      var result = cell(tr, '等待…');
      rows.appendChild(tr);
      queue.push({ file: files[i], bar: bar, result: result });
    }
    document.getElementById('done').classList.add('hidden');
    next();
  }

  input.addEventListener('change', function () { add(input.files); input.value = ''; });
  drop.addEventListener('dragover', function (e) { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
  drop.addEventListener('drop', function (e) { e.preventDefault(); drop.classList.remove('over'); add(e.dataTransfer.files); });
})();
