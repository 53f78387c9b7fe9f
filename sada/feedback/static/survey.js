(function(){
var f=document.getElementById("sada-form");if(!f)return;
var saveUrl=f.getAttribute("data-save"),timer=null;
function val(k){var els=f.querySelectorAll('[name="q_'+k+'"]'),out=[];
for(var i=0;i<els.length;i++){var e=els[i];if((e.type=="radio"||e.type=="checkbox")){if(e.checked)out.push(e.value)}else if(e.value!=="")out.push(e.value)}
var fs=document.getElementById("q-"+k);if(fs&&fs.getAttribute("data-multi"))return out;return out.length?out[0]:null}
function holds(c,a){if(c.op=="answered")return a!==null&&!(Array.isArray(a)&&!a.length);if(a===null)return false;
var v=c.value;if(c.op=="in"){v=Array.isArray(v)?v:[v];return Array.isArray(a)?a.some(function(x){return v.indexOf(x)>=0}):v.map(String).indexOf(String(a))>=0}
if(Array.isArray(a))return c.op=="eq"&&a.indexOf(v)>=0;if(c.op=="eq")return String(a)==String(v);if(c.op=="ne")return String(a)!=String(v);
var x=parseFloat(a),y=parseFloat(v);return c.op=="lt"?x<y:c.op=="lte"?x<=y:c.op=="gt"?x>y:x>=y}
function logic(){var qs=f.querySelectorAll("fieldset.q"),shown={};for(var i=0;i<qs.length;i++){var q=qs[i],c=q.getAttribute("data-if"),ok=true;
if(c){c=JSON.parse(c);ok=!!shown[c.question]&&holds(c,val(c.question))}q.hidden=!ok;shown[q.getAttribute("data-key")]=ok}return shown}
function answers(){var shown=logic(),out={},qs=f.querySelectorAll("fieldset.q");for(var i=0;i<qs.length;i++){var k=qs[i].getAttribute("data-key");if(!shown[k])continue;var a=val(k);if(a!==null&&!(Array.isArray(a)&&!a.length))out[k]=a}return out}
function save(){if(!saveUrl||!window.fetch)return;var body={answers:answers(),resume:f.resume.value,lang:f.lang.value,t:f.t.value,hidden:{}};
var hs=f.querySelectorAll('input[name^="h_"]');for(var i=0;i<hs.length;i++)body.hidden[hs[i].name.slice(2)]=hs[i].value;
fetch(saveUrl,{method:"POST",headers:{"Content-Type":"application/json"},body:JSON.stringify(body)}).then(function(r){return r.ok?r.json():null}).then(function(j){if(j&&j.resume){f.resume.value=j.resume;try{sessionStorage.setItem("sada-"+saveUrl,j.resume)}catch(e){}}}).catch(function(){})}
try{var r=sessionStorage.getItem("sada-"+saveUrl);if(r&&!f.resume.value)f.resume.value=r}catch(e){}
f.addEventListener("change",function(){logic();clearTimeout(timer);timer=setTimeout(save,500)});
f.addEventListener("submit",function(){var qs=f.querySelectorAll("fieldset.q[hidden] input,fieldset.q[hidden] textarea");for(var i=0;i<qs.length;i++)qs[i].disabled=true});
logic();
})();
